/** The panel's options and their defaults. */
import type { LiveMode } from './video/mode';

export type FitMode = 'contain' | 'cover';

/** Where the name and status labels sit; Tapo cameras burn their date and time in at the top left. */
export type OverlayCorner = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';

export interface PanelOptions {
  /** contain: whole frame visible (letterboxed); cover: fill the tile, cropping. */
  fit: FitMode;
  /** Name, status, motion badge and frame age drawn over the image. */
  overlay: boolean;
  /** The corner of the name and status labels. */
  overlayCorner: OverlayCorner;
  /** Redraws per second per camera; faster frames are dropped. 0 means no limit. */
  maxFps: number;
  /** Grid columns; 0 picks a layout from the panel's shape. */
  columns: number;
  /** A motion flag or a motion time within this many seconds lights the badge. */
  motionWindowSeconds: number;
  /** Camera ids or names, comma-separated; empty shows every camera in the data. */
  cameraFilter: string;
  /** Camera controls for Editors and Admins (never shown to Viewers). */
  showControls: boolean;
  /** For Tapo video queries: the camera's own video where the browser plays it, or JPEG pictures. */
  liveMode: LiveMode;
  /** Full screen plays the camera's main stream (stream1) instead of the tile's. */
  fullscreenMain: boolean;
  /** Below the cameras, their newest events as thumbnails (from an Events query in the panel). */
  eventsView: boolean;
  /** How many events the events view shows. */
  eventsCount: number;
}

export const DEFAULT_OPTIONS: PanelOptions = {
  fit: 'contain',
  overlay: true,
  overlayCorner: 'top-right',
  maxFps: 2,
  columns: 0,
  motionWindowSeconds: 30,
  cameraFilter: '',
  showControls: true,
  liveMode: 'video',
  fullscreenMain: true,
  eventsView: false,
  eventsCount: 8,
};

/** Our datasource: its frames get camera controls through its resources. */
export const TAPO_DATASOURCE_TYPE = 'camwatch-tapo-datasource';
