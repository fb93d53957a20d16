/** IPC channel names shared by main and the preload (no imports: the preload inlines this). */
export const IPC = {
  /** renderer -> main (invoke): a contract request; resolves with its Response. */
  call: 'studio:call',
  /** renderer -> main (invoke): the native folder picker; resolves with a path or null. */
  pickFolder: 'studio:pick-folder',
  /** main -> renderer (send): an EngineEvent. */
  event: 'studio:event',
} as const;
