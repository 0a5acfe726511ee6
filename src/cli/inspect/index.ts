/** The inspectors of `zk-recipes inspect <kind>`: a new recipe family adds its file here. */
import { groupInspector } from './group';
import type { Inspector } from './inspector';
import { leaderInspector } from './leader';
import { lockInspector } from './lock';
import { semaphoreInspector } from './semaphore';

/** Every inspector by kind, in `--help` order. */
export const inspectors: Readonly<Record<string, Inspector>> = {
  lock: lockInspector,
  leader: leaderInspector,
  group: groupInspector,
  semaphore: semaphoreInspector,
};
