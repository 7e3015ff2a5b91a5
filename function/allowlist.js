// placeholder until the function lands (issue 3)
