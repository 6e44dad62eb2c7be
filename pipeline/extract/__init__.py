"""One reader per document type. Each takes a PreparedPage and an OcrEngine and returns the
contract's fields for its type as ExtractedField values (value, confidence, valid, bbox in
loaded-page pixels)."""
