/**
 * @duckdb/node-api turns every VARCHAR it reads into a string with one shared `new TextDecoder()`,
 * which drops a U+FEFF at the start of each value (the BOM rule of the Encoding Standard). Values
 * read back from DuckDB then differed from the stored ones: text repair wrote a name's repair
 * under the name without its U+FEFF, so a play named "\uFEFFTune" found no repair, and one named
 * "Tune" found two (four plays with one songplay_id). Its module reads the decoder from its
 * exports at each call, so one that keeps the character is put there, once, before any query.
 */
import { createRequire } from 'node:module';

const accessors = createRequire(__filename)('@duckdb/node-api/lib/vectors/dataAccessors') as { textDecoder?: unknown };

if (!(accessors.textDecoder instanceof TextDecoder)) {
  // A newer client that decodes elsewhere: fail loudly here rather than lose the character quietly.
  throw new Error('@duckdb/node-api no longer exports lib/vectors/dataAccessors textDecoder: check that it keeps a leading U+FEFF (src/warehouse/duckdbTextDecoding.ts)');
}
accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
