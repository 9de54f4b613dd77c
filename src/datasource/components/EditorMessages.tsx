/**
 * The message line under a query, variable or annotation editor: errors (the camera list did not
 * load, no metric picked), warnings (a camera id that no longer exists) and notices (a picture rate
 * or width brought within bounds). It always holds the same elements, one slot per message an
 * editor can show, under the fields and one line high even when empty, so a message appearing never
 * moves or widens the fields above it (an InlineField's own error pushed its neighbours ~320 px).
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

export type MessageSeverity = 'error' | 'warning' | 'info';

export interface EditorMessage {
  severity: MessageSeverity;
  text: string;
}

interface Props {
  /** One entry per slot, always the same number for an editor; undefined leaves a slot empty. */
  slots: Array<EditorMessage | undefined>;
}

export function EditorMessages({ slots }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.line} role="status" aria-live="polite" data-testid="editor-messages">
      {slots.map((m, i) => (
        <div key={i} className={cx(styles.message, m && styles[m.severity])} data-severity={m?.severity ?? ''}>
          {m?.text ?? ''}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({
    minHeight: theme.spacing(3),
    maxWidth: theme.spacing(100),
    ...theme.typography.bodySmall,
    display: 'flex',
    flexDirection: 'column',
    justifyContent: 'center',
  }),
  message: css({
    '&:empty': { display: 'none' },
  }),
  error: css({ color: theme.colors.error.text }),
  warning: css({ color: theme.colors.warning.text }),
  info: css({ color: theme.colors.text.secondary }),
});
