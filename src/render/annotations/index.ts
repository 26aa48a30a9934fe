// The annotation drawing alone, as a face of its own: the viewer's annotation tile worker imports it, and
// render's main face brings the analysis part and TF.js with it (a 2.4 MB worker instead of 40 KB).
export { drawAnnotations, drawBrushCircle, simplifyPath, LABEL_MIN_SIZE, type AffineLike, type AnnotationContext, type AnnotationDrawCounts, type AnnotationDrawOptions } from '../annotation-drawing';
