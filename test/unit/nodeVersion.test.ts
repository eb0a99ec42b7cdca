import fs from 'node:fs';
import path from 'node:path';
import { oldNodeWarning, WANTED_NODE_MAJOR } from '../../src/util/nodeVersion';

const ROOT = path.resolve(__dirname, '../..');

describe('the Node version sparkify wants', () => {
  test("is package.json's engines and scripts/node.sh's NODE_MAJOR", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${WANTED_NODE_MAJOR}`);
    const script = fs.readFileSync(path.join(ROOT, 'scripts/node.sh'), 'utf8');
    expect(/^NODE_VERSION=(\d+)\./m.exec(script)?.[1]).toBe(String(WANTED_NODE_MAJOR));
  });

  test('an older Node is warned about: the version found, the one wanted, and how to run under it', () => {
    const warning = oldNodeWarning('20.20.2');
    expect(warning).toContain('this is Node 20.20.2');
    expect(warning).toContain(`wants Node ${WANTED_NODE_MAJOR} or later`);
    expect(warning).toContain('`npm run -s sparkify -- …`');
  });

  test('the wanted Node and newer ones are not', () => {
    expect(oldNodeWarning(`${WANTED_NODE_MAJOR}.0.0`)).toBeUndefined();
    expect(oldNodeWarning(`${WANTED_NODE_MAJOR + 1}.1.0`)).toBeUndefined();
  });
});
