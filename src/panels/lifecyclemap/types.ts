export interface LifecycleMapOptions {
  /** dashboard variable set to the span id of a clicked plugin node (without `var-` / `$`) */
  variableName: string;
}

export const DEFAULT_OPTIONS: LifecycleMapOptions = { variableName: 'spanId' };
