/**
 * Entry point of the nested panel plugin: the camera panel and its options (video or pictures, fit, overlay and
 * corner, columns, controls).
 */
import { PanelPlugin } from '@grafana/data';

import { CameraPanel } from './components/CameraPanel';
import { DEFAULT_OPTIONS, type PanelOptions } from './types';

export const plugin = new PanelPlugin<PanelOptions>(CameraPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'liveMode',
      name: 'Live view',
      description:
        'Video plays the camera’s own H.264 at its frame rate (Tapo video queries); pictures where the browser cannot play it',
      defaultValue: DEFAULT_OPTIONS.liveMode,
      settings: {
        options: [
          { value: 'video', label: 'Video' },
          { value: 'pictures', label: 'Pictures' },
        ],
      },
    })
    .addBooleanSwitch({
      path: 'fullscreenMain',
      name: 'Full screen in full size',
      description: 'Full screen plays the camera’s main stream (stream1) instead of the tile’s',
      defaultValue: DEFAULT_OPTIONS.fullscreenMain,
      showIf: (o) => o.liveMode !== 'pictures',
    })
    .addBooleanSwitch({
      path: 'eventsView',
      name: 'Events',
      description:
        'The newest events of the shown cameras as thumbnails (add an Events query); click one for its picture and its recording',
      defaultValue: DEFAULT_OPTIONS.eventsView,
    })
    .addNumberInput({
      path: 'eventsCount',
      name: 'Events shown',
      defaultValue: DEFAULT_OPTIONS.eventsCount,
      settings: { min: 1, max: 50, integer: true },
      showIf: (o) => o.eventsView,
    })
    .addRadio({
      path: 'fit',
      name: 'Picture',
      description: 'Fit shows the whole frame; fill crops it to fill the tile',
      defaultValue: DEFAULT_OPTIONS.fit,
      settings: {
        options: [
          { value: 'contain', label: 'Fit' },
          { value: 'cover', label: 'Fill' },
        ],
      },
    })
    .addBooleanSwitch({
      path: 'overlay',
      name: 'Overlay',
      description: 'Camera name, status, motion badge and picture age over the picture',
      defaultValue: DEFAULT_OPTIONS.overlay,
    })
    .addSelect({
      path: 'overlayCorner',
      name: 'Overlay corner',
      description: 'Where the name and status sit; Tapo cameras draw their date and time at the top left',
      defaultValue: DEFAULT_OPTIONS.overlayCorner,
      settings: {
        options: [
          { value: 'top-right', label: 'Top right' },
          { value: 'bottom-right', label: 'Bottom right' },
          { value: 'bottom-left', label: 'Bottom left' },
          { value: 'top-left', label: 'Top left (covers Tapo’s date and time)' },
        ],
      },
      showIf: (o) => o.overlay !== false,
    })
    .addNumberInput({
      path: 'maxFps',
      name: 'Max frames per second',
      description: 'Per camera; faster frames are skipped. 0 means no limit.',
      defaultValue: DEFAULT_OPTIONS.maxFps,
      settings: { min: 0, max: 30, integer: false },
    })
    .addNumberInput({
      path: 'columns',
      name: 'Columns',
      description: '0 picks a grid from the panel size',
      defaultValue: DEFAULT_OPTIONS.columns,
      settings: { min: 0, max: 16, integer: true },
    })
    .addTextInput({
      path: 'cameraFilter',
      name: 'Cameras',
      description: 'Camera ids or names, comma-separated; empty shows every camera in the data',
      defaultValue: DEFAULT_OPTIONS.cameraFilter,
    })
    .addNumberInput({
      path: 'motionWindowSeconds',
      name: 'Motion badge (seconds)',
      description: 'How long the motion badge stays lit after a motion event',
      defaultValue: DEFAULT_OPTIONS.motionWindowSeconds,
      settings: { min: 1, max: 3600, integer: true },
    })
    .addBooleanSwitch({
      path: 'showControls',
      name: 'Camera controls',
      description: 'Snapshot, full screen, PTZ and privacy, for Editors and Admins only',
      defaultValue: DEFAULT_OPTIONS.showControls,
    })
);
