"""Operations: the command line, process supervision, training, retention and log files.

The top layer: may import every other package.
"""
