"""Pure text processing for ingestion: reading, cleaning, segmentation. No Django imports."""
