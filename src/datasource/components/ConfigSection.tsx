/**
 * A titled section of the config editor that folds, like the "Additional settings" of Grafana's own
 * datasource pages: a heading whose button opens and closes it (aria-expanded), a line saying what
 * is inside, and the content only while open.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, Text, useStyles2 } from '@grafana/ui';
import React, { useId, useState } from 'react';

interface Props {
  title: string;
  description?: string;
  /** Open at first (e.g. when it holds an error); the user folds it from then on. */
  defaultOpen?: boolean;
  children: React.ReactNode;
}

export function ConfigSection({ title, description, defaultOpen = false, children }: Props) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(defaultOpen);
  const contentId = useId();
  return (
    <section className={styles.section}>
      <h3 className={styles.heading}>
        <button
          type="button"
          className={styles.toggle}
          aria-expanded={open}
          aria-controls={contentId}
          onClick={() => setOpen(!open)}
        >
          {title}
          <Icon name={open ? 'angle-up' : 'angle-down'} />
        </button>
      </h3>
      {description && (
        <Text color="secondary" variant="bodySmall" element="p">
          {description}
        </Text>
      )}
      <div id={contentId} hidden={!open} className={styles.content}>
        {open && children}
      </div>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    marginTop: theme.spacing(2),
  }),
  heading: css({
    ...theme.typography.h5,
    margin: 0,
  }),
  toggle: css({
    all: 'unset',
    cursor: 'pointer',
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    '&:focus-visible': {
      outline: `2px solid ${theme.colors.primary.main}`,
    },
  }),
  content: css({
    marginTop: theme.spacing(1),
  }),
});
