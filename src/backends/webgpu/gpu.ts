/**
 * The part of the WebGPU API the backend uses, typed structurally: the project compiles with
 * lib ES2022 (no DOM types) and must not depend on `@webgpu/types` at run time. Any conforming
 * implementation fits: a browser's `navigator.gpu`, or Node's `webgpu` package (Dawn).
 */

export interface GPUAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GPULimitsLike {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxComputeInvocationsPerWorkgroup?: number;
  readonly maxComputeWorkgroupStorageSize?: number;
}

export interface GPULike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance'; forceFallbackAdapter?: boolean }): Promise<GPUAdapterLike | null>;
}

export interface GPUAdapterLike {
  readonly info?: GPUAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly limits: GPULimitsLike;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[]; label?: string }): Promise<GPUDeviceLike>;
}

export interface GPUBufferLike {
  readonly size: number;
  readonly mapState?: string;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

export interface GPUBindGroupLayoutLike { readonly __brand?: 'GPUBindGroupLayout' }
export interface GPUBindGroupLike { readonly __brand?: 'GPUBindGroup' }
export interface GPUPipelineLayoutLike { readonly __brand?: 'GPUPipelineLayout' }
export interface GPUShaderModuleLike {
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number; linePos: number }[] }>;
}
export interface GPUComputePipelineLike { readonly __brand?: 'GPUComputePipeline' }
export interface GPUCommandBufferLike { readonly __brand?: 'GPUCommandBuffer' }

export interface GPUComputePassLike {
  setPipeline(p: GPUComputePipelineLike): void;
  setBindGroup(index: number, group: GPUBindGroupLike): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GPUCommandEncoderLike {
  beginComputePass(descriptor?: object): GPUComputePassLike;
  copyBufferToBuffer(src: GPUBufferLike, srcOffset: number, dst: GPUBufferLike, dstOffset: number, size: number): void;
  clearBuffer?(buffer: GPUBufferLike, offset?: number, size?: number): void;
  finish(): GPUCommandBufferLike;
}

export interface GPUQueueLike {
  submit(buffers: GPUCommandBufferLike[]): void;
  writeBuffer(buffer: GPUBufferLike, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  onSubmittedWorkDone(): Promise<void>;
}

export interface GPUDeviceLike {
  readonly limits: GPULimitsLike;
  readonly queue: GPUQueueLike;
  readonly lost?: Promise<{ reason?: string; message?: string }>;
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GPUBufferLike;
  createShaderModule(d: { code: string; label?: string }): GPUShaderModuleLike;
  createBindGroupLayout(d: { entries: { binding: number; visibility: number; buffer: { type: 'uniform' | 'storage' | 'read-only-storage' } }[] }): GPUBindGroupLayoutLike;
  createPipelineLayout(d: { bindGroupLayouts: GPUBindGroupLayoutLike[] }): GPUPipelineLayoutLike;
  createComputePipeline(d: { layout: GPUPipelineLayoutLike; compute: { module: GPUShaderModuleLike; entryPoint: string } }): GPUComputePipelineLike;
  createBindGroup(d: { layout: GPUBindGroupLayoutLike; entries: { binding: number; resource: { buffer: GPUBufferLike; offset?: number; size?: number } }[] }): GPUBindGroupLike;
  createCommandEncoder(): GPUCommandEncoderLike;
  pushErrorScope?(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope?(): Promise<{ message: string } | null>;
  destroy(): void;
}

/** GPUBufferUsage flags (numeric: the globals may be absent in Node). */
export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
export const MAP_READ = 0x0001;
export const SHADER_STAGE_COMPUTE = 0x4;
