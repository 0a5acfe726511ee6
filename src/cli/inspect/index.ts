/** The inspectors of `zk-recipes inspect <kind>`: a new recipe family adds its file here. */
import { barrierInspector } from './barrier';
import { groupInspector } from './group';
import type { Inspector } from './inspector';
import { leaderInspector } from './leader';
import { lockInspector } from './lock';
import { queueInspector } from './queue';
import { semaphoreInspector } from './semaphore';
import { serviceInspector } from './service';

/** Every inspector by kind, in `--help` order. */
export const inspectors: Readonly<Record<string, Inspector>> = {
  lock: lockInspector,
  leader: leaderInspector,
  group: groupInspector,
  semaphore: semaphoreInspector,
  queue: queueInspector,
  barrier: barrierInspector,
  service: serviceInspector,
};
