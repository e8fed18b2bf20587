/**
 * The lifecycle map colours a duration by its log10 bucket (colorIndex 0..6 = <10 µs ... >= 1 s,
 * computed by common/lifecycle). Named Grafana colours, resolved through the theme so light and dark
 * both get readable shades; never hard-coded hex.
 */
import { GrafanaTheme2 } from '@grafana/data';

export const COLOR_NAMES = ['dark-green', 'green', 'light-green', 'yellow', 'orange', 'red', 'dark-red'] as const;

export function durationColor(theme: GrafanaTheme2, colorIndex: number): string {
  const i = Math.max(0, Math.min(COLOR_NAMES.length - 1, Math.floor(colorIndex)));
  return theme.visualization.getColorByName(COLOR_NAMES[i]);
}
