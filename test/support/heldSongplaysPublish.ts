import { withSongplaysSerialPart } from '../../src/activities/songplaysSerialPart';

/**
 * A songplays publish of `runId` begun in this process (its gate set) that goes on only when told:
 * `reach()` opens its serial part, `finish()` ends it; `publishing` settles with it.
 */
export function heldSongplaysPublish(runId: string): { reach: () => void; finish: () => void; publishing: Promise<void> } {
  let reach!: () => void;
  let finish!: () => void;
  const publishing = withSongplaysSerialPart(runId, (reached) => {
    reach = reached;
    return new Promise<void>((resolve) => (finish = resolve));
  });
  return { reach: () => reach(), finish: () => finish(), publishing };
}
