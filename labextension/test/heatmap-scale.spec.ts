import { heatmapColour } from '../src/class/heatmap-scale';

describe('heatmapColour', () => {
  it.each([
    [0, 0, 0],
    [0.34, 34, 30],
    [0.5, 50, 50],
    [1, 100, 100],
    [1.7, 100, 100],
    [-0.2, 0, 0]
  ])(
    'shows mastery %p as %p %% at strength %p',
    (mastery, percent, strength) => {
      const colour = heatmapColour(mastery);

      expect(colour.percent).toBe(percent);
      expect(colour.background).toBe(
        `color-mix(in srgb, var(--jp-brand-color1) ${strength}%, var(--jp-layout-color1))`
      );
    }
  );

  it.each([null, undefined, NaN])('shows %p as no data', mastery => {
    const colour = heatmapColour(mastery);

    expect(colour.percent).toBeNull();
    expect(colour.background).toBe('var(--jp-layout-color2)');
  });

  it('switches to the inverse text colour on strong cells', () => {
    expect(heatmapColour(0.9).color).toBe('var(--jp-ui-inverse-font-color1)');
    expect(heatmapColour(0.2).color).toBe('var(--jp-ui-font-color1)');
  });

  it('uses only JupyterLab theme variables', () => {
    const css = [0, 0.5, 1, null].map(m => heatmapColour(m).background).join();

    expect(css.replace(/var\(--jp-[a-z0-9-]+\)/g, '')).not.toMatch(/#|rgb\(/);
  });
});
