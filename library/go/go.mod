module odin.local/odin

go 1.19
