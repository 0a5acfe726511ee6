#!/usr/bin/env node
// Prints "N passed, N failed" from jest's --json results; exits 1 when anything failed, a suite could not
// run, or no test ran at all.
'use strict';
const fs = require('node:fs');

const file = process.argv[2] ?? 'test-results/jest.json';
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`jest-summary: cannot read ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
// A suite that failed to run (syntax error, failing beforeAll) has no failed tests of its own: count it.
const brokenSuites = (results.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
const failed = (results.numFailedTests ?? 0) + brokenSuites;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
for (const suite of results.testResults ?? []) {
  if (suite.status !== 'failed') continue;
  console.error(`FAILED ${suite.name}`);
  for (const a of suite.assertionResults ?? []) if (a.status === 'failed') console.error(`  x ${a.fullName}`);
  if (suite.message) console.error(suite.message.split('\n').slice(0, 15).join('\n'));
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 || skipped > 0 ? 1 : 0);
