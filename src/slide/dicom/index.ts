// DICOM WSI (VL Whole Slide Microscopy): a slide stored as one instance per level, plus label and overview.
export { dicomLayout, type DicomSet } from './dicom-layout';
export { hasDicmPrefix, readInstance, WSI_SOP_CLASS, type DicomInstance, type ImageKind } from './dicom-header';
export { transferSyntax, type TransferSyntax, type FrameCodec } from './transfer-syntax';
