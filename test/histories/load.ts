import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import path from 'node:path';

/**
 * Reads a history as `temporal workflow show --output json` writes it. The SDK's own
 * historyFromJSON (in @temporalio/common) fails in this install: @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs, and the type from one is not a `Type`
 * to the other. So the JSON is parsed with the protobufjs that @temporalio/proto uses.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto/package.json'))] })) as {
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): proto.temporal.api.history.v1.IHistory | null;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyFromCliJson(json: unknown): proto.temporal.api.history.v1.IHistory {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history;
}
