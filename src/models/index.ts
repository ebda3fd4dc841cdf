export { LayersModel, Sequential, model, sequential, type Summary, type SummaryRow } from './model.ts';
export { Callback, CustomCallback, History, ProgressBar, type Logs, type CustomCallbackArgs } from './callbacks.ts';
export { type CompileArgs, type FitArgs } from './training.ts';
export { callbacks, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN, ModelCheckpoint } from './more_callbacks.ts';
export { saveModelWeights, loadModelWeights } from './weights_io.ts';
