export interface DebugLogsOptions {
  /** dashboard variable holding a span id to filter on (set by the lifecycle map panel) */
  spanVariable: string;
}

export const DEFAULT_OPTIONS: DebugLogsOptions = { spanVariable: 'spanId' };
