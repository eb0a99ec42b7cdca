import { redactUri } from '../src/config';
import { createLogger } from '../src/log';

describe('redactUri hides every password, however the URI is written', () => {
  test.each([
    ['postgres://etl:hunter2@db:5432/sparkify', 'postgres://etl:***@db:5432/sparkify'],
    ['postgres://etl:p@ss@db:5432/sparkify', 'postgres://etl:***@db:5432/sparkify'],
    ['postgres://etl:pa/ss@db/sparkify', 'postgres://etl:***@db/sparkify'],
    ['postgres://etl:p?ss#w@db/sparkify', 'postgres://etl:***@db/sparkify'],
    ['postgres://:hunter2@db/sparkify', 'postgres://:***@db/sparkify'],
    ['postgresql://etl@db/sparkify?password=hunter2&sslmode=require', 'postgresql://etl@db/sparkify?password=***&sslmode=require'],
    ['postgres://db/sparkify?sslmode=require&PassWord=hunter2', 'postgres://db/sparkify?sslmode=require&PassWord=***'],
    ['postgres://db/sparkify?sslpassword=hunter2&application_name=a@b', 'postgres://db/sparkify?sslpassword=***&application_name=a@b'],
    ['postgres://etl:pw%40x@db/sparkify?application_name=x@y', 'postgres://etl:***@db/sparkify?application_name=x@y'],
    ['s3://bucket/key?X-Amz-Signature=abc&X-Amz-Security-Token=tok', 's3://bucket/key?X-Amz-Signature=***&X-Amz-Security-Token=***'],
  ])('%s', (uri, redacted) => {
    expect(redactUri(uri)).toBe(redacted);
    expect(redactUri(redactUri(uri))).toBe(redacted);
  });

  test.each(['postgres://etl@db:5432/sparkify', 'postgres://db/sparkify', 'duckdb:/data/w.duckdb', '/data/raw', 's3://bucket/prefix/', 'redshift-data://workgroup/wg/dev?region=eu-west-1',
    'redshift-data://cluster/c/dev?secretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:etl'])(
    '%s has nothing to hide and is unchanged',
    (uri) => expect(redactUri(uri)).toBe(uri),
  );
});

describe('the logger redacts secrets it is handed', () => {
  test('passwords, AWS keys, session tokens and URIs with passwords never reach the log', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => lines.push(line) } });
    log.info({ password: 'pw-1', s3: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'aws-secret-2', sessionToken: 'aws-token-3' } }, 'settings');
    log.info({ worker: { settings: { s3: { secretAccessKey: 'aws-secret-4' } } } }, 'nested');
    log.warn({ url: 'postgres://etl:pw-5@db/x', warehouse: 'postgres://etl@db/x?password=pw-6', other: { uri: 'postgres://:pw-7@db/x' } }, 'uris');
    const text = lines.join('');
    for (const secret of ['pw-1', 'aws-secret-2', 'aws-token-3', 'aws-secret-4', 'pw-5', 'pw-6', 'pw-7']) expect(text).not.toContain(secret);
    // What is not secret stays readable.
    expect(text).toContain('AKIAFAKE');
    expect(text).toContain('postgres://etl:***@db/x');
    expect(text).toContain('postgres://etl@db/x?password=***');
  });
});
