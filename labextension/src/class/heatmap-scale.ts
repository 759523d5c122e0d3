/**
 * The colour of a heatmap cell for a mastery between 0 and 1.
 *
 * The scale mixes the theme's brand colour into its background, so it reads
 * in light and dark themes alike; one hue keeps it legible to colour-blind
 * teachers, and every cell also carries its value as text.
 */
export interface IHeatmapColour {
  /** A CSS background built from JupyterLab's theme variables. */
  background: string;
  /** A CSS text colour that stays readable on that background. */
  color: string;
  /** The mastery as a whole percentage, or `null` with no data. */
  percent: number | null;
}

/** Return the colour of a mastery; `null`, NaN and undefined mean no data. */
export function heatmapColour(
  mastery: number | null | undefined
): IHeatmapColour {
  if (mastery === null || mastery === undefined || Number.isNaN(mastery)) {
    return {
      background: 'var(--jp-layout-color2)',
      color: 'var(--jp-ui-font-color2)',
      percent: null
    };
  }
  const percent = Math.round(Math.min(1, Math.max(0, mastery)) * 100);
  // Steps of 10 % keep the legend honest: neighbours look alike on purpose.
  const strength = Math.round(percent / 10) * 10;
  return {
    background: `color-mix(in srgb, var(--jp-brand-color1) ${strength}%, var(--jp-layout-color1))`,
    color:
      strength >= 60
        ? 'var(--jp-ui-inverse-font-color1)'
        : 'var(--jp-ui-font-color1)',
    percent
  };
}
