export * from './onnx/index.js';
export * from './pytorch/index.js';
export * from './safetensors/index.js';
