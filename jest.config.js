// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// The scaffold's transform covers .[jt]sx? only; Grafana 10.4's d3 dependencies ship .mjs.
const [swcPattern, swcTransform] = Object.entries(base.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    [swcPattern]: swcTransform,
    '^.+\\.mjs$': swcTransform,
  },
  // The sidecar has its own runner (node:test); browser tests run against the built panel.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/sidecar/', '<rootDir>/test/', '<rootDir>/dist/'],
};
