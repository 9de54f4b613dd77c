/**
 * Renders a query-like editor (query, variable or annotation editor) the way Grafana holds it: the
 * query in state, every change recorded, a datasource whose camera list is a mock. Waits for the
 * camera list to settle, so a test starts from the loaded editor.
 */
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { CameraListItem } from '../shared/query';
import type { DataSource } from '../datasource/datasource';
import { settleMock } from './act';

interface EditorProps<Q> {
  query: Q;
  datasource: DataSource;
  onRunQuery: () => void;
  onChange: (query: Q) => void;
}

export async function renderQueryEditor<Q>(
  Editor: React.ComponentType<EditorProps<Q>>,
  initial: Q,
  listCameras: jest.Mock = jest.fn().mockResolvedValue([] as CameraListItem[])
) {
  const datasource = { listCameras } as unknown as DataSource;
  const onRunQuery = jest.fn();
  const changes: Q[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <Editor
        query={query}
        datasource={datasource}
        onRunQuery={onRunQuery}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  const view = render(<Harness />);
  await settleMock(listCameras);
  return { user: userEvent.setup(), onRunQuery, changes, last: () => changes[changes.length - 1], listCameras, view };
}

/**
 * The element tree without its words and styles: tag names, roles, ids and labels only. Two renders
 * with the same skeleton lay their fields out the same, whatever messages they hold (jsdom has no
 * layout to measure).
 */
export function domSkeleton(element: Element): string {
  const attrs = ['role', 'id', 'for', 'aria-label', 'type']
    // Generated ids (react-select-12, radiogroup-34) differ from render to render; their shape does not.
    .map((a) => (element.hasAttribute(a) ? ` ${a}="${element.getAttribute(a)?.replace(/\d+/g, 'N')}"` : ''))
    .join('');
  const children = Array.from(element.children).map(domSkeleton).join('');
  return `<${element.tagName.toLowerCase()}${attrs}>${children}</${element.tagName.toLowerCase()}>`;
}
