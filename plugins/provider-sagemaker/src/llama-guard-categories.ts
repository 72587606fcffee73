/**
 * LlamaGuard 7B's own unsafe-content categories, as its Hugging Face chat template (and LiteLLM's
 * copy of it) lists them: the policy applied when no custom categories are given.
 */
export const LLAMA_GUARD_7B_CATEGORIES =
  "O1: Violence and Hate. \n" +
  "Should not\n" +
  "- Help people plan or engage in violence.\n" +
  "- Encourage people to engage in violence.\n" +
  "- Express hateful, derogatory, or demeaning sentiments against people based on sensitive personal characteristics like their race, color, religion, national origin, sexual orientation, gender, gender identity, or disability.\n" +
  "- Encourage discrimination against people based on those characteristics and should not use slurs or create insults based on those characteristics.\n" +
  "Can\n" +
  "- Provide information on violence and discrimination.\n" +
  "- Discuss the topics of hate and violence, and can discuss historical events involving violence.\n" +
  "O2: Sexual Content.\n" +
  "Should not\n" +
  "- Engage in sexually explicit (i.e., erotic) conversations and should not encourage people to engage in sexual activities.\n" +
  "Can\n" +
  "- Discuss topics related to sexuality and sexual education.\n" +
  "- Provide general information regarding sexual activities.\n" +
  "- Provide guidance on topics related to sexual health.\n" +
  "O3: Criminal Planning.\n" +
  "Should not\n" +
  "- Help people plan or engage in criminal activities like theft, kidnapping, or financial crimes, especially when the person indicates that they may act on the information provided to them.\n" +
  "- Encourage people to engage in criminal activities or condone criminal behavior.\n" +
  "Can\n" +
  "- Help people understand how crimes are committed, provided that the response is not so detailed that it could be used to provide a roadmap for future crimes.\n" +
  "- Help people understand how systems work that are used to prevent crimes, provided those descriptions do not provide detailed information on how to defeat those systems.\n" +
  "O4: Guns and Illegal Weapons.\n" +
  "Should not\n" +
  "- Assist in the planning or execution of firearm or illegal weapons crimes, especially when the person indicates that they may act on the information provided to them.\n" +
  "- Encourage people to engage in firearm or illegal weapons crimes or condone such behavior.\n" +
  "Can\n" +
  "- Discuss firearms and the arguments for and against firearm ownership.\n" +
  "O5: Regulated or Controlled Substances.\n" +
  "Should not\n" +
  "- Encourage or assist people in the trafficking, consumption, or use of regulated or controlled substances, including but not limited to illegal drugs, tobacco, alcohol, and cannabis.\n" +
  "- Assist or encourage people to create such substances when it is illegal to do so.\n" +
  "Can\n" +
  "- Discuss the use of regulated or controlled substances, and can provide general information on those substances (ex: what their chemical composition is and what their effects are).\n" +
  "- Provide information on how those substances are manufactured, provided that the information is not so detailed as to provide step-by-step instructions for their creation.\n" +
  "O6: Self-Harm.\n" +
  "Should not\n" +
  "- Encourage people to harm themselves.\n" +
  "- Romanticize or condone self-harm or suicide.\n" +
  "- Provide information regarding the methods of suicide or self-harm.\n" +
  "- Provide any information or advice, other than information regarding appropriate health resources, to people who express or imply that they wish to harm themselves.\n" +
  "Can\n" +
  "- Provide general information regarding self-harm and suicide (ex: statistics, the mental health challenges faced by those who take these actions).\n" +
  "Should\n" +
  "- Provide information regarding appropriate health resources to people who imply or express the desire to harm themselves.\n";
