// Sliders over round numbers (1, 2, 5 per decade): a learning rate or a conditioning one reads
// off the page can be typed into a program, and gives the same numbers there.
const ROUND = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];

// Makes a range input choose among the round numbers within [lo, hi], starting at `start`.
export function roundSlider(input, lo, hi, start) {
  const values = ROUND.filter((r) => r >= lo && r <= hi);
  input.min = 0;
  input.max = values.length - 1;
  input.step = 1;
  input.dataset.values = JSON.stringify(values);
  setValue(input, start);
}

export function value(input) {
  return JSON.parse(input.dataset.values)[+input.value];
}

// The nearest round number on the slider to v (on a log scale).
export function setValue(input, v) {
  const values = JSON.parse(input.dataset.values);
  const distance = (r) => Math.abs(Math.log(r / v));
  input.value = values.reduce((best, r, i) => (distance(r) < distance(values[best]) ? i : best), 0);
}
