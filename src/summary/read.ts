/**
 * Reading event files back: the records (both CRCs checked) decoded as `tensorflow.Event`s,
 * with `graph_def` decoded as a GraphDef. `idem report` reads logdirs with this.
 */
import * as fs from 'node:fs';
import { decodeEvent, decodeGraphDef, type EventProto, type GraphDef } from './protos.ts';
import { readRecords } from './records.ts';

export type { EventProto, GraphDef, NodeDef, AttrValue, HistogramProto, SummaryValue } from './protos.ts';

export interface DecodedEvent extends EventProto {
  /** `graphDef` decoded, when the event carries one. */
  graph?: GraphDef;
}

/** All events of one event file, in file order. */
export function readEventFile(file: string): DecodedEvent[] {
  const bytes = fs.readFileSync(file);
  return readRecords(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file).map((r) => {
    const e: DecodedEvent = decodeEvent(r);
    if (e.graphDef) e.graph = decodeGraphDef(e.graphDef);
    return e;
  });
}
