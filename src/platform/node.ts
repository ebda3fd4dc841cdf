/**
 * Node.js's side of the platform layer: imports the built-ins statically and installs them, so
 * the shared modules find them even on Node versions without `process.getBuiltinModule`. The
 * Node entry (`src/index.ts`) imports this module first; the browser entry never does.
 */
import * as fs from 'node:fs';
import * as module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import process from 'node:process';
import * as url from 'node:url';
import * as workerThreads from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { installNodeApis } from './index.ts';

installNodeApis({ fs, path, os, zlib, module, url, workerThreads, process });
