/**
 * The Node.js this project targets: package.json's `engines` and scripts/node.sh's NODE_MAJOR say
 * the same (test/unit/nodeVersion.test.ts holds them together).
 */
export const WANTED_NODE_MAJOR = 24;

/**
 * A warning for a Node older than the target, or undefined. A warning, not a refusal: runs on Node
 * 20 gave the same tables, but nothing is tested there, and the worker's memory flags
 * (src/util/workerNodeFlags.ts) are tuned for Node 24's garbage collector.
 */
export function oldNodeWarning(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= WANTED_NODE_MAJOR) return undefined;
  return (
    `sparkify: warning: this is Node ${version}; sparkify-etl wants Node ${WANTED_NODE_MAJOR} or later ` +
    `(package.json "engines") and is tested only there. Run it under Node ${WANTED_NODE_MAJOR} with ` +
    '`npm run -s sparkify -- …` from the repository (`scripts/node.sh node bin/sparkify.js …`; it fetches Node ' +
    `${WANTED_NODE_MAJOR} once into ~/.cache/sparkify-etl/, see README), or install Node ${WANTED_NODE_MAJOR} LTS.`
  );
}
