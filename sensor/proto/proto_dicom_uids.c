#include "proto/proto_dicom_uids.h"

#include <string.h>

/* PS3.6 Annex A (Registry of DICOM Unique Identifiers), the entries an
 * association can carry as abstract or transfer syntax or application
 * context. Retired ones that devices still propose are kept, marked so. */
/* An entry's UID and its length, counted by the compiler. */
#define UID(s) s, sizeof(s) - 1

static const struct dicom_uid dicom_uids[] = {
    /* Application context (PS3.7 Annex A) */
    {UID("1.2.840.10008.3.1.1.1"), "DICOM Application Context Name", DICOM_UID_CONTEXT},

    /* Transfer syntaxes (PS3.5 section 10, PS3.6 Annex A) */
    {UID("1.2.840.10008.1.2"), "Implicit VR Little Endian", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.1"), "Explicit VR Little Endian", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.1.99"), "Deflated Explicit VR Little Endian", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.2"), "Explicit VR Big Endian (Retired)", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.50"), "JPEG Baseline (Process 1)", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.51"), "JPEG Extended (Process 2 & 4)", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.57"), "JPEG Lossless, Non-Hierarchical (Process 14)",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.70"),
     "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.80"), "JPEG-LS Lossless Image Compression", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.81"), "JPEG-LS Lossy (Near-Lossless) Image Compression",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.90"), "JPEG 2000 Image Compression (Lossless Only)",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.91"), "JPEG 2000 Image Compression", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.100"), "MPEG2 Main Profile @ Main Level", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.101"), "MPEG2 Main Profile @ High Level", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.102"), "MPEG-4 AVC/H.264 High Profile / Level 4.1",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.103"), "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
     DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.4.107"), "HEVC/H.265 Main Profile / Level 5.1", DICOM_UID_TRANSFER},
    {UID("1.2.840.10008.1.2.5"), "RLE Lossless", DICOM_UID_TRANSFER},

    /* Verification (PS3.4 Annex A) */
    {UID("1.2.840.10008.1.1"), "Verification SOP Class", DICOM_UID_VERIFICATION},

    /* Storage commitment (Annex J) */
    {UID("1.2.840.10008.1.20.1"), "Storage Commitment Push Model SOP Class", DICOM_UID_COMMITMENT},
    {UID("1.2.840.10008.1.20.2"), "Storage Commitment Pull Model SOP Class (Retired)",
     DICOM_UID_COMMITMENT},
    {UID("1.2.840.10008.1.9"), "Basic Study Content Notification SOP Class (Retired)",
     DICOM_UID_SERVICE},
    {UID("1.2.840.10008.1.40"), "Procedural Event Logging SOP Class", DICOM_UID_SERVICE},
    {UID("1.2.840.10008.1.42"), "Substance Administration Logging SOP Class", DICOM_UID_SERVICE},

    /* Study, patient and results management (retired) and MPPS (Annex F) */
    {UID("1.2.840.10008.3.1.2.3.3"), "Modality Performed Procedure Step SOP Class", DICOM_UID_MPPS},
    {UID("1.2.840.10008.3.1.2.3.4"), "Modality Performed Procedure Step Retrieve SOP Class",
     DICOM_UID_MPPS},
    {UID("1.2.840.10008.3.1.2.3.5"), "Modality Performed Procedure Step Notification SOP Class",
     DICOM_UID_MPPS},
    {UID("1.2.840.10008.3.1.2.1.4"), "Detached Patient Management Meta SOP Class (Retired)",
     DICOM_UID_SERVICE},

    /* Print management (Annex H) */
    {UID("1.2.840.10008.5.1.1.1"), "Basic Film Session SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.2"), "Basic Film Box SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.4"), "Basic Grayscale Image Box SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.4.1"), "Basic Color Image Box SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.9"), "Basic Grayscale Print Management Meta SOP Class",
     DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.14"), "Print Job SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.15"), "Basic Annotation Box SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.16"), "Printer SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.16.376"), "Printer Configuration Retrieval SOP Class",
     DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.18"), "Basic Color Print Management Meta SOP Class", DICOM_UID_PRINT},
    {UID("1.2.840.10008.5.1.1.23"), "Presentation LUT SOP Class", DICOM_UID_PRINT},

    /* Worklists (Annex K and others) */
    {UID("1.2.840.10008.5.1.4.31"), "Modality Worklist Information Model - FIND",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.32.1"), "General Purpose Worklist Information Model - FIND (Retired)",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.33"), "Instance Availability Notification SOP Class",
     DICOM_UID_SERVICE},
    {UID("1.2.840.10008.5.1.4.34.6.1"), "Unified Procedure Step - Push SOP Class",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.34.6.2"), "Unified Procedure Step - Watch SOP Class",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.34.6.3"), "Unified Procedure Step - Pull SOP Class",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.34.6.4"), "Unified Procedure Step - Event SOP Class",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.34.6.5"), "Unified Procedure Step - Query SOP Class",
     DICOM_UID_WORKLIST},
    {UID("1.2.840.10008.5.1.4.41"), "Hanging Protocol Information Model - FIND", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.42"), "Hanging Protocol Information Model - MOVE", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.43.2"), "Product Characteristics Query SOP Class", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.44.2"), "Substance Approval Query SOP Class", DICOM_UID_QUERY},

    /* Query/retrieve (Annex C) */
    {UID("1.2.840.10008.5.1.4.1.2.1.1"), "Patient Root Query/Retrieve Information Model - FIND",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.1.2"), "Patient Root Query/Retrieve Information Model - MOVE",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.1.3"), "Patient Root Query/Retrieve Information Model - GET",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.2.1"), "Study Root Query/Retrieve Information Model - FIND",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.2.2"), "Study Root Query/Retrieve Information Model - MOVE",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.2.3"), "Study Root Query/Retrieve Information Model - GET",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.3.1"),
     "Patient/Study Only Query/Retrieve Information Model - FIND (Retired)", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.3.2"),
     "Patient/Study Only Query/Retrieve Information Model - MOVE (Retired)", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.3.3"),
     "Patient/Study Only Query/Retrieve Information Model - GET (Retired)", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.4.2"), "Composite Instance Root Retrieve - MOVE",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.4.3"), "Composite Instance Root Retrieve - GET", DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.1.2.5.3"), "Composite Instance Retrieve Without Bulk Data - GET",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.20.1"), "Defined Procedure Protocol Information Model - FIND",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.38.2"), "Color Palette Query/Retrieve Information Model - FIND",
     DICOM_UID_QUERY},
    {UID("1.2.840.10008.5.1.4.39.2"), "Implant Template Information Model - FIND", DICOM_UID_QUERY},

    /* Storage (Annex B) */
    {UID("1.2.840.10008.5.1.4.1.1.1"), "Computed Radiography Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.1"), "Digital X-Ray Image Storage - For Presentation",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.1.1"), "Digital X-Ray Image Storage - For Processing",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.2"),
     "Digital Mammography X-Ray Image Storage - For Presentation", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.2.1"),
     "Digital Mammography X-Ray Image Storage - For Processing", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.3"),
     "Digital Intra-Oral X-Ray Image Storage - For Presentation", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.1.3.1"),
     "Digital Intra-Oral X-Ray Image Storage - For Processing", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.2"), "CT Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.2.1"), "Enhanced CT Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.2.2"), "Legacy Converted Enhanced CT Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.3"), "Ultrasound Multi-frame Image Storage (Retired)",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.3.1"), "Ultrasound Multi-frame Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.4"), "MR Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.4.1"), "Enhanced MR Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.4.2"), "MR Spectroscopy Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.4.3"), "Enhanced MR Color Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.4.4"), "Legacy Converted Enhanced MR Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.5"), "Nuclear Medicine Image Storage (Retired)",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.6"), "Ultrasound Image Storage (Retired)", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.6.1"), "Ultrasound Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.6.2"), "Enhanced US Volume Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.7"), "Secondary Capture Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.7.1"), "Multi-frame Single Bit Secondary Capture Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.7.2"),
     "Multi-frame Grayscale Byte Secondary Capture Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.7.3"),
     "Multi-frame Grayscale Word Secondary Capture Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.7.4"), "Multi-frame True Color Secondary Capture Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.1.1"), "12-lead ECG Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.1.2"), "General ECG Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.1.3"), "Ambulatory ECG Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.2.1"), "Hemodynamic Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.3.1"), "Cardiac Electrophysiology Waveform Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.4.1"), "Basic Voice Audio Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.4.2"), "General Audio Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.5.1"), "Arterial Pulse Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.6.1"), "Respiratory Waveform Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.11.1"), "Grayscale Softcopy Presentation State Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.11.2"), "Color Softcopy Presentation State Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.11.3"), "Pseudo-Color Softcopy Presentation State Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.11.4"), "Blending Softcopy Presentation State Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.12.1"), "X-Ray Angiographic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.12.1.1"), "Enhanced XA Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.12.2"), "X-Ray Radiofluoroscopic Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.12.2.1"), "Enhanced XRF Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.13.1.1"), "X-Ray 3D Angiographic Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.13.1.2"), "X-Ray 3D Craniofacial Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.13.1.3"), "Breast Tomosynthesis Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.20"), "Nuclear Medicine Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.30"), "Parametric Map Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66"), "Raw Data Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66.1"), "Spatial Registration Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66.2"), "Spatial Fiducials Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66.3"), "Deformable Spatial Registration Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66.4"), "Segmentation Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.66.5"), "Surface Segmentation Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.67"), "Real World Value Mapping Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.1"), "VL Endoscopic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.1.1"), "Video Endoscopic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.2"), "VL Microscopic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.2.1"), "Video Microscopic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.3"), "VL Slide-Coordinates Microscopic Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.4"), "VL Photographic Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.4.1"), "Video Photographic Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.5.1"), "Ophthalmic Photography 8 Bit Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.5.2"), "Ophthalmic Photography 16 Bit Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.5.4"), "Ophthalmic Tomography Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.77.1.6"), "VL Whole Slide Microscopy Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.11"), "Basic Text SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.22"), "Enhanced SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.33"), "Comprehensive SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.34"), "Comprehensive 3D SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.40"), "Procedure Log Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.50"), "Mammography CAD SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.59"), "Key Object Selection Document Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.65"), "Chest CAD SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.67"), "X-Ray Radiation Dose SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.68"), "Radiopharmaceutical Radiation Dose SR Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.69"), "Colon CAD SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.71"), "Acquisition Context SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.72"), "Simplified Adult Echo SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.88.73"), "Patient Radiation Dose SR Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.104.1"), "Encapsulated PDF Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.104.2"), "Encapsulated CDA Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.104.3"), "Encapsulated STL Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.128"), "Positron Emission Tomography Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.128.1"), "Legacy Converted Enhanced PET Image Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.130"), "Enhanced PET Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.131"), "Basic Structured Display Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.1"), "RT Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.2"), "RT Dose Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.3"), "RT Structure Set Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.4"), "RT Beams Treatment Record Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.5"), "RT Plan Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.6"), "RT Brachy Treatment Record Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.7"), "RT Treatment Summary Record Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.8"), "RT Ion Plan Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.481.9"), "RT Ion Beams Treatment Record Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.501.1"), "DICOS CT Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.601.1"), "Eddy Current Image Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.38.1"), "Color Palette Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.43.1"), "Generic Implant Template Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.200.1"), "CT Defined Procedure Protocol Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.200.2"), "CT Performed Procedure Protocol Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.78.1"), "Lensometry Measurements Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.79.1"), "Macular Grid Thickness and Volume Report Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.80.1"), "Ophthalmic Thickness Map Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.90.1"), "Content Assessment Results Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.34.7"), "RT Beams Delivery Instruction Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9.7.1"), "Routine Scalp Electroencephalogram Waveform Storage",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.68.1"), "Surface Scan Mesh Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.68.2"), "Surface Scan Point Cloud Storage", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.10"), "Standalone Modality LUT Storage (Retired)",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.11"), "Standalone VOI LUT Storage (Retired)", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.129"), "Standalone PET Curve Storage (Retired)",
     DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.8"), "Standalone Overlay Storage (Retired)", DICOM_UID_STORAGE},
    {UID("1.2.840.10008.5.1.4.1.1.9"), "Standalone Curve Storage (Retired)", DICOM_UID_STORAGE},
};

const struct dicom_uid *dicom_uid_at(size_t i)
{
    return i < sizeof dicom_uids / sizeof dicom_uids[0] ? &dicom_uids[i] : NULL;
}

size_t dicom_uid_count(void)
{
    return sizeof dicom_uids / sizeof dicom_uids[0];
}

/* A linear search: it runs a few hundred times per association, never per
 * data packet, and keeps the table in the order of the standard. */
int dicom_uid_find(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof dicom_uids / sizeof dicom_uids[0]; i++) {
        const char *u = dicom_uids[i].uid;
        if (dicom_uids[i].uid_len == len && memcmp(u, s, len) == 0)
            return (int)i;
    }
    return -1;
}

const char *dicom_uid_kind_name(enum dicom_uid_kind k)
{
    switch (k) {
    case DICOM_UID_STORAGE:
        return "storage";
    case DICOM_UID_QUERY:
        return "query_retrieve";
    case DICOM_UID_WORKLIST:
        return "worklist";
    case DICOM_UID_MPPS:
        return "mpps";
    case DICOM_UID_COMMITMENT:
        return "storage_commitment";
    case DICOM_UID_PRINT:
        return "print";
    case DICOM_UID_VERIFICATION:
        return "verification";
    case DICOM_UID_SERVICE:
        return "service";
    case DICOM_UID_TRANSFER:
        return "transfer_syntax";
    case DICOM_UID_CONTEXT:
        return "application_context";
    }
    return "unknown";
}
