echo alpha
