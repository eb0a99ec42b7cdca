import type { Logger } from '../log';
import type { Resources } from './resources';

/** What every activity group is built from: the worker's shared connections and its logger. */
export interface ActivityDeps {
  resources: Resources;
  log: Logger;
}
