/**
 * Which kind of model answers: the cloud server (OpenAI-compatible) or the local GGUF model.
 * The one name for this choice: r1Coder.mode, the panel's "Just this once" override, and a turn's saved request.
 * (Not to be confused with where a local model file was found, which model discovery calls its source.)
 */

export type SourceKind = 'cloud' | 'local';

export function isSourceKind(value: unknown): value is SourceKind {
  return value === 'cloud' || value === 'local';
}
