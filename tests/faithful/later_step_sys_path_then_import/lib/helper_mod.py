def times_seven(n):
    return n * 7
