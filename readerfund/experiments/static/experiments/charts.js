/* Draws each chart of the editors' pages from the JSON beside its table (tables.py). */
(() => {
  const COLOURS = ["#205493", "#b5521b", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64"];
  const charts = [];
  const options = (spec, width) => {
    const bars = spec.kind === "bars" && spec.series.length === 1; // several: points and lines
    return {
      width,
      height: 240,
      scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] }, y: spec.log ? { distr: 3 } : {} },
      axes: [
        { values: (u, ticks) => ticks.map((i) => spec.x[i] ?? "") },
        { size: 70 },
      ],
      series: [
        { label: "", value: (u, i) => (i == null ? "" : spec.x[i] ?? "") },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          fill: bars ? COLOURS[i % COLOURS.length] + "cc" : undefined,
          width: bars ? 0 : 2,
          paths: bars ? uPlot.paths.bars({ size: [0.6, 80] }) : undefined,
          points: { show: !bars && spec.x.length < 40 },
        })),
      ],
    };
  };
  const draw = () => {
    for (const el of document.querySelectorAll(".rf-chart")) {
      const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
      if (!spec.x.length) continue;
      const data = [spec.x.map((_, i) => i), ...spec.series.map((s) => s.values.map((v) => (spec.log && v <= 0 ? null : v)))];
      const width = el.clientWidth || 600;
      charts.push([new uPlot(options(spec, width), data, el), el]);
    }
    document.documentElement.dataset.charts = "drawn"; // a hook for tests
  };
  addEventListener("resize", () => charts.forEach(([u, el]) => u.setSize({ width: el.clientWidth, height: 240 })));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
