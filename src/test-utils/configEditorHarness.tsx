/** Test helper: datasource settings for the config editor, and the editor held the way Grafana's settings page holds it. */
import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { ConfigEditor } from '../datasource/components/ConfigEditor';
import type { TapoOptions, TapoSecureJsonData } from '../datasource/types';

export type Settings = DataSourceSettings<TapoOptions, TapoSecureJsonData>;

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: '',
    orgId: 1,
    name: 'Tapo',
    type: 'camwatch-tapo-datasource',
    typeName: 'Tapo Cameras',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    ...over,
  } as Settings;
}

/** Holds the options like Grafana's settings page does, and records every change; opens every camera's form. */
export async function setup(initial: Settings, { expand = true } = {}) {
  const changes: Settings[] = [];
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  const user = userEvent.setup();
  render(<Harness />);
  if (expand) {
    for (const edit of screen.queryAllByRole('button', { name: /^Edit camera \d+$/ })) {
      await user.click(edit);
    }
  }
  const last = () => changes[changes.length - 1];
  return { user, changes, last };
}
