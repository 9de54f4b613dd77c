/*
 * Live picture packets as the sidecar's RunStream sends them (channel ds/<uid>/camera/<id>/frames/<fps>/<width>),
 * for the browser tests that push frames into the built panel.
 */
export const UID = 'tapo-ds';

const FIELDS = [
  ['time', 'time', 'time.Time'],
  ['camera_id', 'string', 'string'],
  ['camera_name', 'string', 'string'],
  ['width', 'number', 'int64'],
  ['height', 'number', 'int64'],
  ['jpeg', 'string', 'string'],
  ['status', 'string', 'string'],
  ['last_seen', 'time', 'time.Time'],
  ['motion', 'boolean', 'bool'],
  ['error', 'string', 'string'],
  ['privacy_mode', 'boolean', 'bool'],
];

/** One camera's picture row: `{ channel, packet }`, the schema only on a channel's first packet. */
export function framePacket(cam, { withSchema }) {
  const channel = `ds/${UID}/camera/${cam.id}/frames/2/${cam.width}`;
  const schema = {
    name: cam.id,
    refId: 'A',
    meta: { channel },
    fields: FIELDS.map(([name, type, frame]) => ({ name, type, typeInfo: { frame, nullable: true } })),
  };
  const data = {
    values: [
      [cam.time],
      [cam.id],
      [cam.name],
      [cam.width],
      [cam.height],
      [cam.jpeg],
      [cam.status ?? 'online'],
      [cam.lastSeen ?? cam.time],
      [cam.motion ?? false],
      [cam.error ?? null],
      [cam.privacy ?? null],
    ],
  };
  return { channel, packet: withSchema ? { schema, data } : { data } };
}

/** Pushes one camera's packet into the harness page. */
export async function pushFrame(page, cam, withSchema = true) {
  const { channel, packet } = framePacket(cam, { withSchema });
  await page.evaluate(([c, p]) => window.tapoHarness.pushFrameJSON(c, p), [channel, packet]);
}

/** A real JPEG from Chromium's encoder: a solid colour with a label. */
export const makeJpeg = (page, color, label, width, height) =>
  page.evaluate(([c, l, w, h]) => window.tapoHarness.makeJpeg(c, l, w, h), [color, label, width, height]);

/**
 * Stops the page's clock at `time` (Date only; timers keep running): a scene of still pictures is
 * one moment, so its live tiles neither age nor start saying "No picture for N s" while the test
 * measures and photographs them.
 */
export const holdClock = (page, time) => page.clock.setFixedTime(time);
