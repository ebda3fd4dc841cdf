/**
 * `tf.summary` (TensorBoard event files) and the TensorBoard callback. See writer.ts for the file
 * format, tensorboard.ts for the callback's layout and tags, graph.ts for the model graph.
 */
export { SummaryFileWriter, createFileWriter, scalar, histogram, text, flush, histogramProto, type SummaryFileWriterOptions } from './writer.ts';
export { TensorBoard, tensorBoard, type TensorBoardArgs } from './tensorboard.ts';
export { modelGraphDef } from './graph.ts';
export { readEventFile, type EventProto, type GraphDef, type NodeDef, type HistogramProto, type SummaryValue } from './read.ts';
export { crc32c, maskCrc, unmaskCrc } from './crc32c.ts';
export { frameRecord, readRecords } from './records.ts';
