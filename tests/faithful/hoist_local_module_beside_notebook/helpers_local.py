def code(word):
    return word[:2].upper() + str(len(word))
