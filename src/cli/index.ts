#!/usr/bin/env node
/** Entry of the `zk-recipes` command (package.json `bin`); see {@link run}. */
import { run } from './main';

void run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((status) => {
  process.exitCode = status;
});
