/** Which branch of a command a model path goes to, from its name alone (no module that reads models loaded). */

/** True for the PyTorch checkpoints and safetensors files the checkpoint branch of `prune` handles. */
export function isCheckpointPath(file: string): boolean {
  return /\.(pth?|safetensors)$/i.test(file);
}
