"""Fine-tuning from the studio: the training child process, its progress and the fine-tune panel."""
