// The frontend tests again under React 19, which Grafana 13 gives plugins at run time (react and
// react-dom are externals: a plugin uses the host's React). React 19 lives in its own folder,
// test/react19 (its own lockfile), because npm cannot hold two Reacts at the root whose peers
// both say "react": every import of react or react-dom, ours and @grafana/ui's, is mapped there.
const path = require('path');
const base = require('./jest.config');

const r19 = path.join(__dirname, 'test', 'react19', 'node_modules');

module.exports = {
  ...base,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^react$': path.join(r19, 'react'),
    '^react/(.*)$': path.join(r19, 'react', '$1'),
    '^react-dom$': path.join(r19, 'react-dom'),
    '^react-dom/(.*)$': path.join(r19, 'react-dom', '$1'),
  },
};
