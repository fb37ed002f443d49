/**
 * Shared shapes of the evaluation pipeline (dataset → preprocessing → session → decode → NMS → metrics).
 * Metric functions take these and nothing else: no I/O, no clocks.
 */

/** Ground truth of one image, in original image pixels. */
export interface ImageLabels {
  /** Stable id of the image (file stem for YOLO datasets, the COCO image id as string for COCO json). */
  imageId: string;
  /** [N,4] x1 y1 x2 y2 in original pixels. */
  boxesXyxy: Float32Array;
  /** [N] model class index of each box. */
  classes: Int32Array;
  /** [N] 1 for COCO crowd regions (ignored by the COCO metric, dropped by the Ultralytics metric); absent = none. */
  crowd?: Uint8Array;
  /** [N] COCO segmentation area when known (the COCO metric's area ranges use it); absent = box area. */
  areas?: Float64Array;
  /** Original image size in pixels. */
  width: number;
  height: number;
}

/** Detections of one image after NMS, in original image pixels. */
export interface ImageDetections {
  imageId: string;
  /** [K,4] x1 y1 x2 y2 in original pixels. */
  boxesXyxy: Float32Array;
  /** [K] confidence in [0,1]. */
  scores: Float32Array;
  /** [K] model class index. */
  classes: Int32Array;
}

/** Ultralytics-style detection metrics (`ultralytics/utils/metrics.py` semantics). */
export interface DetectionMetrics {
  precision: number;
  recall: number;
  map50: number;
  /** mean AP over IoU 0.50:0.05:0.95 */
  map5095: number;
  perClass: ClassMetrics[];
  /** For plotting: recall grid (1000 points, 0..1) and mean precision at IoU 0.5 over classes with labels. */
  prCurve: { recall: Float64Array; precision: Float64Array };
  /** The confidence at which mean F1 is maximal (P and R are read there). */
  bestConfidence: number;
}

export interface ClassMetrics {
  classIndex: number;
  name: string;
  /** Images containing at least one instance of the class. */
  images: number;
  instances: number;
  precision: number;
  recall: number;
  map50: number;
  map5095: number;
}

/** pycocotools COCOeval bbox stats, in pycocotools order. */
export interface CocoStats {
  AP: number; AP50: number; AP75: number; APs: number; APm: number; APl: number;
  AR1: number; AR10: number; AR100: number; ARs: number; ARm: number; ARl: number;
}
