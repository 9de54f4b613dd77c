// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// The scaffold's transform covers .[jt]sx? only; some of Grafana's d3 dependencies ship .mjs.
const [swcPattern, swcTransform] = Object.entries(base.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    [swcPattern]: swcTransform,
    '^.+\\.mjs$': swcTransform,
  },
  // The sidecar has its own runner (node:test); browser tests run against the built panel.
  // A bound, not a wait: Grafana 12's Select menus render slowly on a loaded 2-core CI machine.
  testTimeout: 60000,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/sidecar/', '<rootDir>/test/', '<rootDir>/dist/'],
};
