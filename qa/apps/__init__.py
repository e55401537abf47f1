"""What people use: the command line, the browser chat, the evaluation runs."""
