/**
 * A validation dataset as the pipeline streams it: the list of images (paths) with their ground truth, read
 * and checked up front (labels are small), while the pixels are decoded lazily, one image at a time.
 */

/** Ground truth of a YOLO-txt image: normalised centre boxes, as in the label file. */
export interface NormalizedLabels {
  kind: 'normalized';
  /** [N] model class index. */
  classes: Int32Array;
  /** [N,4] cx cy w h, normalised to [0,1] by the original image size. */
  boxesCxcywh: Float32Array;
}

/** Ground truth of a COCO-json image: pixel boxes with crowd flags and areas. */
export interface PixelLabels {
  kind: 'pixels';
  /** [N] model class index. */
  classes: Int32Array;
  /** [N,4] x1 y1 x2 y2 in original pixels. */
  boxesXyxy: Float32Array;
  /** [N] 1 for crowd regions. */
  crowd: Uint8Array;
  /** [N] COCO `area` (segmentation area) of each annotation. */
  areas: Float64Array;
}

export type ImageGroundTruth = NormalizedLabels | PixelLabels;

export interface DatasetImage {
  /** File stem (YOLO) or the COCO image id as a string. */
  imageId: string;
  /** Absolute path of the image file. */
  path: string;
  /** Numeric id written to COCO results: the COCO image id, or the stem when it is a number. */
  cocoImageId: number | string;
  labels: ImageGroundTruth;
}

/** An image left out of the evaluation, and why. */
export interface SkippedImage {
  path: string;
  reason: string;
}

export interface Dataset {
  kind: 'yolo' | 'coco';
  /** The yaml or json the dataset was read from. */
  source: string;
  /** Class names by model class index. */
  names: string[];
  images: DatasetImage[];
  /** Images dropped while reading labels (bad label rows, missing files). */
  skipped: SkippedImage[];
  /** Non-fatal findings (duplicate labels removed, categories unknown to the model…). */
  warnings: string[];
  /** Model class index → category id written to COCO results (COCO json: its ids; YOLO: the index). */
  categoryIds: number[];
}
