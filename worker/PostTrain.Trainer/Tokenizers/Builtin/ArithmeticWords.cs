namespace PostTrain.Trainer.Tokenizers.Builtin;

/// <summary>The word list the built-in arithmetic tokenizer is trained on: the vocabulary of grade-school arithmetic word problems and their worked answers.</summary>
internal static class ArithmeticWords
{
    /// <summary>Frequent words (weight 4), each also trained with a leading space and capitalised.</summary>
    public const string Common =
        "the a an of and to in is are was were has have had how many much what each every per more less fewer than " +
        "if then so there they he she it his her their them we you i total left remaining altogether answer " +
        "does do did will would can could be been after before with for from at by on into out up down all some " +
        "times plus minus divided multiplied equals sum difference product half twice double triple " +
        "step first second third next last final result number numbers let us find that this which so therefore";

    /// <summary>Content words (weight 2), also trained with a leading space and capitalised.</summary>
    public const string Content =
        "apples oranges bananas pears books pencils pens cookies cakes pies candies marbles stickers cards toys balls " +
        "dollars dollar cents coins money price cost costs paid pays pay spend spends spent earn earns earned save saves saved " +
        "buy buys bought sell sells sold give gives gave get gets got take takes took eat eats ate make makes made " +
        "find finds found lose loses lost need needs share shares shared keep keeps kept put puts add adds added " +
        "minutes minute hours hour days day weeks week months month years year old " +
        "students student friends friend children child people kids class school teacher " +
        "boxes box bags bag baskets basket rows row groups group packs pack bottles bottle cups cup " +
        "cars car bikes trees flowers dogs cats birds fish eggs miles meters feet inches pounds " +
        "store farm garden shop party game team " +
        "Tom Anna Sam Mia John Mary Lisa Ben Emma Jack Lily Max Sara Leo Zoe Tim " +
        "question problem solve solution think work check correct " +
        "system user assistant you helpful math tutor";

    /// <summary>Symbols and number formatting (weight 4): operators, GSM8K's calculator marks and the final-answer marker.</summary>
    public static readonly string[] Symbols =
    [
        "+", " +", "-", " -", "*", " *", "/", " /", "=", " =", "×", " ×", "÷", " ÷", "<<", ">>", "####", " ####",
        "$", " $", ".", ",", "?", "!", ":", "(", " (", ")", "%", "\n", "\n\n", "  ", "'s", ".\n", ".\n\n", "?\n",
    ];
}
