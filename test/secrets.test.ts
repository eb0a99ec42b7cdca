import { redactUri } from '../src/config';

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
