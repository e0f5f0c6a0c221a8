"""Norwegian language knowledge shared by stt and structuring: number words, spoken forms."""
