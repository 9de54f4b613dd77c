import React from 'react';
import ReactDOM from 'react-dom';

// `npm test` runs the frontend tests twice: React 18 (Grafana 12) and React 19 (Grafana 13).
// This proves which React a run really used, ours and the one @grafana/ui imports alike.
const expected = process.env.TAPO_EXPECT_REACT;

describe('React under test', () => {
  it('is the major version this run is for, one copy for us and for @grafana/ui', () => {
    const major = React.version.split('.')[0];
    if (expected) {
      expect(major).toBe(expected);
    } else {
      expect(['18', '19']).toContain(major);
    }
    expect(ReactDOM.version).toBe(React.version);
    // @grafana/ui resolves react through the same mapping: its hooks would throw on a second copy.
    expect(jest.requireActual('react')).toBe(React);
  });
});
